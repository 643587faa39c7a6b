// Real spreadsheet parsers: exceljs for .xlsx (dates, formulas, merges), csv-parse for CSV, SheetJS for .xls.
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { extractDocument } from '../../../../core/knowledge/extract.ts';
import { FileTooComplexError } from '../../../../core/knowledge/extraction-errors.ts';
import { extractCsv, sniffDelimiter } from '../../../../core/knowledge/formats/csv.ts';
import { extractXlsx } from '../../../../core/knowledge/formats/xlsx.ts';
import { expectRejection, readFixture } from '../helpers/fixtures.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('spreadsheets', function () {
  this.timeout(15_000);

  describe('xlsx (exceljs)', () => {
    it('writes dates as dates, formulas as their results, and a horizontal merge once', async () => {
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('Акции');
      sheet.addRow(['Акция', 'Цена', 'Скидка', 'Итого', 'Действует до']);
      sheet.addRow([
        'Маникюр + педикюр',
        3000,
        500,
        { formula: 'B2-C2', result: 2500 },
        new Date(Date.UTC(2025, 2, 31)),
      ]);
      sheet.addRow(['Только по будням, с 10 до 14', '', '', '', '']);
      sheet.mergeCells('A3:E3');
      const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
      expect(await extractXlsx(bytes, 100)).to.deep.equal([
        {
          kind: 'row',
          text: 'Акция: Маникюр + педикюр; Цена: 3000; Скидка: 500; Итого: 2500; Действует до: 2025-03-31',
          sheet: 'Акции',
        },
        { kind: 'row', text: 'Акция: Только по будням, с 10 до 14', sheet: 'Акции' },
      ]);
    });

    it('refuses more rows than the cap', async () => {
      await expectRejection(
        extractDocument(readFixture('price-list.xlsx'), 'p.xlsx', { limits: { maxRows: 5 } }),
        FileTooComplexError,
      );
    });
  });

  describe('csv (csv-parse)', () => {
    it('sniffs comma, semicolon and tab delimiters, ignoring ones inside quotes', () => {
      expect(sniffDelimiter('a,b,c\n1,2,3')).to.equal(',');
      expect(sniffDelimiter('\n"Услуга, вид";Цена;Время\n')).to.equal(';');
      expect(sniffDelimiter('a\tb\tc')).to.equal('\t');
    });

    it('prefers the delimiter that splits every line alike over one that appears inside values', async () => {
      const csv = 'Услуга;Цена, руб;Длительность, мин\nМаникюр (гель, дизайн);1500;90\nПедикюр;2200;90';
      expect(sniffDelimiter(csv)).to.equal(';');
      expect((await extractCsv(utf8(csv), 10))[0]).to.deep.equal({
        kind: 'row',
        text: 'Услуга: Маникюр (гель, дизайн); Цена, руб: 1500; Длительность, мин: 90',
      });
      expect(sniffDelimiter('a,b;c\n1,2;3\n4,5;6,7')).to.equal(';');
      expect(sniffDelimiter('single column\nvalue')).to.equal(',');
    });

    it('reads an Excel-style semicolon CSV in Windows-1251', async () => {
      const bytes = new Uint8Array(
        Buffer.from([
          0xd3, 0xf1, 0xeb, 0xf3, 0xe3, 0xe0, 0x3b, 0xd6, 0xe5, 0xed, 0xe0, 0x0d, 0x0a, 0xcc, 0xe0, 0xf1, 0xea, 0xe0,
          0x3b, 0x31, 0x35, 0x30, 0x30,
        ]),
      );
      expect(await extractCsv(bytes, 10)).to.deep.equal([{ kind: 'row', text: 'Услуга: Маска; Цена: 1500' }]);
    });

    it('keeps ragged rows and stray quotes instead of failing', async () => {
      const blocks = await extractCsv(utf8('Service,Price\nManicure,1200,extra note\nBrow "tint",500\n'), 10);
      expect(blocks).to.deep.equal([
        { kind: 'row', text: 'Service: Manicure; Price: 1200; extra note' },
        { kind: 'row', text: 'Service: Brow "tint"; Price: 500' },
      ]);
    });

    it('refuses a CSV over the row cap without parsing the rest', async () => {
      const csv = `n\n${Array.from({ length: 1_000 }, (_, index) => String(index)).join('\n')}`;
      await expectRejection(extractCsv(utf8(csv), 999), FileTooComplexError);
      expect(await extractCsv(utf8(csv), 1_000)).to.have.length(1_000);
    });
  });

  describe('xls (SheetJS)', () => {
    it('refuses more rows than the cap', async () => {
      await expectRejection(
        extractDocument(readFixture('price-list.xls'), 'p.xls', { limits: { maxRows: 5 } }),
        FileTooComplexError,
      );
    });
  });
});
