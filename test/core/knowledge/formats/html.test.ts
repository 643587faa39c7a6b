// HTML blocks: page chrome and code dropped, headings kept with levels, tables turned into header-aware rows.
import { expect } from 'chai';
import { extractHtml, htmlToBlocks } from '../../../../core/knowledge/formats/html.ts';
import { readFixture } from '../helpers/fixtures.ts';

describe('html', () => {
  it('keeps the content of contacts.html in order and drops script, style, nav, header, footer and noscript', async () => {
    expect(await extractHtml(readFixture('contacts.html'), 100)).to.deep.equal([
      { kind: 'heading', level: 1, text: 'Contacts' },
      { kind: 'paragraph', text: 'Our address: 12 Khreshchatyk St, Kyiv, second floor.' },
      { kind: 'heading', level: 2, text: 'How to reach us' },
      { kind: 'paragraph', text: 'The nearest metro station is Maidan Nezalezhnosti — a 3 minute walk.' },
      { kind: 'paragraph', text: 'Phone: +380 44 123 45 67' },
      { kind: 'paragraph', text: 'Telegram: @lotus_salon' },
      { kind: 'heading', level: 3, text: 'Parking' },
      { kind: 'paragraph', text: 'Paid city parking is available on the street.' },
    ]);
  });

  it('keeps the header of an article (its title) while dropping the page banner', async () => {
    const blocks = await htmlToBlocks(
      '<header>Site banner</header><article><header><h2>Акция</h2></header><p>Скидка 20% по вторникам.</p></article>',
      100,
    );
    expect(blocks).to.deep.equal([
      { kind: 'heading', level: 2, text: 'Акция' },
      { kind: 'paragraph', text: 'Скидка 20% по вторникам.' },
    ]);
  });

  it('drops hidden elements and navigation roles', async () => {
    const html =
      '<div hidden>hidden text</div><div aria-hidden="true">icon</div><div role="navigation">menu</div><p>visible</p>';
    expect(await htmlToBlocks(html, 100)).to.deep.equal([{ kind: 'paragraph', text: 'visible' }]);
  });

  it('joins inline elements without inventing spaces, and turns <br> into a line break', async () => {
    const blocks = await htmlToBlocks('<p>Ман<b>икюр</b>, <a href="#">запись</a>.<br>Вторая строка</p>', 100);
    expect(blocks).to.deep.equal([{ kind: 'paragraph', text: 'Маникюр, запись.\nВторая строка' }]);
  });

  it('turns a table into rows under its header cells, flattening nested tables into their cell', async () => {
    const html = `<table><thead><tr><th>Послуга</th><th>Ціна</th></tr></thead>
      <tbody><tr><td>Манікюр</td><td>450 грн</td></tr>
      <tr><td>Педикюр <table><tr><td>з покриттям</td></tr></table></td><td>650 грн</td></tr></tbody></table>`;
    expect(await htmlToBlocks(html, 100)).to.deep.equal([
      { kind: 'row', text: 'Послуга: Манікюр; Ціна: 450 грн' },
      { kind: 'row', text: 'Послуга: Педикюр з покриттям; Ціна: 650 грн' },
    ]);
  });

  it('decodes entities and survives unclosed tags', async () => {
    expect(await htmlToBlocks('<h1>Tom &amp; Jerry&#39;s <p>unclosed &laquo;quote&raquo;', 100)).to.deep.equal([
      { kind: 'heading', level: 1, text: "Tom & Jerry's unclosed «quote»" },
    ]);
  });
});
