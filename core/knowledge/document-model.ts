// The shapes that flow through ingestion: a detected file kind, its extracted blocks, and the chunks cut from them.

/** The file formats an owner may upload to the knowledge base. */
export type FileKind = 'pdf' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'txt' | 'md' | 'csv' | 'html';

/**
 * One structural piece of a document, in reading order.
 * - `heading`: a section title; `level` 1 is the top (h1, "# ").
 * - `paragraph`: running text (may contain single line breaks, e.g. opening hours one per line).
 * - `row`: one spreadsheet/CSV/table row rendered with its header names ("Service: Manicure; Price: 1200");
 *   `sheet` names the worksheet it came from, when there is one.
 */
export type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'row'; text: string; sheet?: string };

export interface ExtractedDocument {
  type: FileKind;
  blocks: Block[];
}

/**
 * A retrievable passage. `position` is its 0-based order in the document; `headingPath` lists the
 * enclosing headings (and, for rows, the sheet name) from the outermost in; `tokenCount` is an estimate
 * (see `estimateTokens` in chunk.ts).
 */
export interface Chunk {
  position: number;
  text: string;
  headingPath: string[];
  tokenCount: number;
}
