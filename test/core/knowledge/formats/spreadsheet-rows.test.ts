// Grid to rows: the first non-empty row is the header, empty rows are skipped, repeated headers dropped, the row cap enforced.
import { expect } from 'chai';
import { FileTooComplexError } from '../../../../core/knowledge/extraction-errors.ts';
import { RowBudget, sheetsToBlocks, sheetToBlocks } from '../../../../core/knowledge/formats/spreadsheet-rows.ts';

describe('spreadsheet rows', () => {
  it('uses the first non-empty row as the header and writes "Header: value" pairs', () => {
    const rows = [
      ['', '', ''],
      ['Service', 'Price', 'Duration'],
      ['Manicure', '1200 RUB', '60 min'],
      ['', '', ''],
      ['Pedicure', '', '90 min'],
    ];
    expect(sheetToBlocks({ name: 'Prices', rows }, new RowBudget(100))).to.deep.equal([
      { kind: 'row', text: 'Service: Manicure; Price: 1200 RUB; Duration: 60 min', sheet: 'Prices' },
      { kind: 'row', text: 'Service: Pedicure; Duration: 90 min', sheet: 'Prices' },
    ]);
  });

  it('writes a value under an empty header bare, and skips a header repeated further down', () => {
    const rows = [
      ['Service', '', 'Price'],
      ['Haircut', 'short hair', '800'],
      ['Service', '', 'Price'],
      ['Colouring', '', '4500'],
    ];
    expect(sheetToBlocks({ rows }, new RowBudget(100))).to.deep.equal([
      { kind: 'row', text: 'Service: Haircut; short hair; Price: 800' },
      { kind: 'row', text: 'Service: Colouring; Price: 4500' },
    ]);
  });

  it('cleans whitespace inside cells', () => {
    const rows = [
      ['Service\n name', 'Price'],
      ['  Gel\u00a0polish  ', ' 1 500 '],
    ];
    expect(sheetToBlocks({ rows }, new RowBudget(10))).to.deep.equal([
      { kind: 'row', text: 'Service name: Gel polish; Price: 1 500' },
    ]);
  });

  it('keeps a header-only sheet as a paragraph and an empty sheet as nothing', () => {
    expect(sheetToBlocks({ rows: [['Only', 'titles']] }, new RowBudget(10))).to.deep.equal([
      { kind: 'paragraph', text: 'Only; titles' },
    ]);
    expect(sheetToBlocks({ rows: [[], ['', '']] }, new RowBudget(10))).to.deep.equal([]);
  });

  it('counts rows across all sheets against one cap', () => {
    const sheet = { rows: [['h'], ['1'], ['2'], ['3']] };
    expect(sheetsToBlocks([sheet, sheet], 6)).to.have.length(6);
    expect(() => sheetsToBlocks([sheet, sheet], 5)).to.throw(FileTooComplexError, /more than 5 rows/);
  });
});
