#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium for browser tests, LibreOffice and the
# CJK fonts of docs/gbt9704 mapping for PDF rendering, poppler for reading PDFs back,
# the PostgreSQL client programs (pg_dump, pg_restore, psql) for xunzhi backup/restore.
# As root they are installed with apt-get; otherwise they are named and we stop.
set -euo pipefail

packages=(
  chromium
  libreoffice-writer-nogui
  poppler-utils
  fontconfig
  fonts-noto-cjk
  fonts-arphic-gkai00mp
  fonts-arphic-gbsn00lp
  fonts-liberation2
  texlive-lang-chinese
  postgresql-client
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "测试需要以下 Debian 软件包，请以 root 身份安装后重试："
  echo "  apt-get install --no-install-recommends ${missing[*]}"
  exit 1
fi

echo "正在安装 Debian 软件包：${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
