#!/usr/bin/env bash
# LibreOffice Writer is what the pack's test converts the Word paper to PDF with (to check its
# pages as printed), and poppler-utils' pdftotext/pdftoppm read the PDF back.
# Install Debian's packages where they are missing and we are allowed to; never download them.
set -u
if command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's libreoffice-writer-nogui and poppler-utils (the panel pack's PDF test)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui poppler-utils >/dev/null \
    && exit 0
  echo "Could not install libreoffice-writer-nogui and poppler-utils with apt-get." >&2
fi
cat >&2 <<'MSG'
LibreOffice Writer or poppler-utils is not installed. The panel pack's PDF test (front sheet,
page numbers, tables inside the margins) needs them and is skipped without them:
    sudo apt-get install libreoffice-writer-nogui poppler-utils
The pack itself is written without them.
MSG
exit 0
