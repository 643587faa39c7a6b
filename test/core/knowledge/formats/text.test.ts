// Plain text and Markdown blocks: paragraphs at blank lines, "#" headings outside code fences, inline markup dropped.
import { expect } from 'chai';
import { extractMarkdown, extractPlainText } from '../../../../core/knowledge/formats/text.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('text and markdown', () => {
  it('splits plain text at blank lines and keeps single line breaks inside a paragraph', () => {
    const blocks = extractPlainText(utf8('Hours\r\n\r\nMon: 9-21\r\nSun: closed\r\n\r\n\r\n  \r\nAddress: Kyiv  \r\n'));
    expect(blocks).to.deep.equal([
      { kind: 'paragraph', text: 'Hours' },
      { kind: 'paragraph', text: 'Mon: 9-21\nSun: closed' },
      { kind: 'paragraph', text: 'Address: Kyiv' },
    ]);
  });

  it('does not treat "#" in plain text as a heading', () => {
    expect(extractPlainText(utf8('# not a heading in .txt'))).to.deep.equal([
      { kind: 'paragraph', text: '# not a heading in .txt' },
    ]);
  });

  it('turns ATX headings into heading blocks with their level, closing hashes removed', () => {
    const blocks = extractMarkdown(
      utf8('# Прайс #\nintro\n### Ногти ###\n- **Маникюр** — [1500 руб](https://example.com)\n####### seven is text'),
    );
    expect(blocks).to.deep.equal([
      { kind: 'heading', level: 1, text: 'Прайс' },
      { kind: 'paragraph', text: 'intro' },
      { kind: 'heading', level: 3, text: 'Ногти' },
      { kind: 'paragraph', text: '- Маникюр — 1500 руб\n####### seven is text' },
    ]);
  });

  it('keeps "#" lines inside code fences as text', () => {
    const blocks = extractMarkdown(utf8('## Code\n```sh\n# comment\n```\n'));
    expect(blocks).to.deep.equal([
      { kind: 'heading', level: 2, text: 'Code' },
      { kind: 'paragraph', text: '# comment' },
    ]);
  });

  it('requires a space after the hashes, as Markdown does', () => {
    expect(extractMarkdown(utf8('#hashtag'))).to.deep.equal([{ kind: 'paragraph', text: '#hashtag' }]);
  });
});
