#!/usr/bin/env bash
# Regenerates the binary knowledge-base fixtures in test/fixtures/ from the text sources in scripts/make-fixtures/.
#
# The generated files are committed, so the tests never need LibreOffice. Run this only to change a fixture:
#   apt-get install -y --no-install-recommends libreoffice-writer libreoffice-calc libreoffice-draw imagemagick
#   bash scripts/make-fixtures.sh
#
# What comes from where:
#   faq-ru.html   -> faq-ru.docx   (LibreOffice Writer, "MS Word 2007 XML"; h1-h3 become Heading 1-3 styles)
#   faq-uk.html   -> faq-uk.doc    (LibreOffice Writer, "MS Word 97")
#   policies.html -> policies.pdf  (LibreOffice Writer, PDF export with a text layer)
#   price-list.fods -> price-list.xlsx and price-list.xls (LibreOffice Calc; two sheets "Прайс" and "Ціни")
#   hours-ru.txt  -> hours-ru.cp1251.txt   (iconv to Windows-1251, no BOM)
#   hours-uk.txt  -> hours-uk.utf16le.txt  (iconv to UTF-16LE, with a BOM)
#   an ImageMagick PNG -> bad/scanned.pdf  (LibreOffice Draw; the PDF holds only an image: no text layer)
#   faq-ru.docx cut in half -> bad/truncated.docx; an ELF program renamed -> bad/program.pdf
# about.md, services.csv and contacts.html in test/fixtures/ are hand-written and not generated.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/scripts/make-fixtures"
out="$root/test/fixtures"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out/bad"

# A private LibreOffice profile keeps the run independent of (and from) any user profile.
soffice_convert() { # soffice_convert FILTER INPUT [INFILTER]
  local args=(--headless --norestore "-env:UserInstallation=file://$work/profile" --convert-to "$1" --outdir "$work")
  if [ -n "${3:-}" ]; then args+=("--infilter=$3"); fi
  soffice "${args[@]}" "$2" >/dev/null 2>&1
}

soffice_convert 'docx:MS Word 2007 XML' "$src/faq-ru.html" 'HTML (StarWriter)'
soffice_convert 'doc:MS Word 97' "$src/faq-uk.html" 'HTML (StarWriter)'
soffice_convert 'pdf:writer_pdf_Export' "$src/policies.html" 'HTML (StarWriter)'
soffice_convert 'xlsx:Calc MS Excel 2007 XML' "$src/price-list.fods"
soffice_convert 'xls:MS Excel 97' "$src/price-list.fods"
cp "$work/faq-ru.docx" "$work/faq-uk.doc" "$work/policies.pdf" "$work/price-list.xlsx" "$work/price-list.xls" "$out/"

iconv -f UTF-8 -t CP1251 "$src/hours-ru.txt" > "$out/hours-ru.cp1251.txt"
{ printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$src/hours-uk.txt"; } > "$out/hours-uk.utf16le.txt"

# A "scan": text drawn into pixels, so a reader sees it but the PDF has no text to extract.
/usr/bin/convert -size 800x200 xc:white -font DejaVu-Sans -pointsize 28 -fill black \
  -draw "text 30,100 'Price list: manicure 1500 RUB'" "$work/scanned.png"
soffice_convert 'pdf:draw_pdf_Export' "$work/scanned.png"
cp "$work/scanned.pdf" "$out/bad/scanned.pdf"

: > "$out/bad/empty.txt"
head -c "$(( $(stat -c %s "$out/faq-ru.docx") / 2 ))" "$out/faq-ru.docx" > "$out/bad/truncated.docx"
head -c 8192 /usr/bin/true > "$out/bad/program.pdf"

ls -l "$out" "$out/bad"
