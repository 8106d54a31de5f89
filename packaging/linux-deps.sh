#!/usr/bin/env bash
# Debian/Ubuntu libraries Qt's xcb platform plugin needs, plus Xvfb and xdotool for the
# real-window test. Installs only what is missing; needs root (or sudo) for apt-get.
set -euo pipefail
packages=(xvfb xdotool libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
          libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxcb-randr0 libxcb-xinerama0
          libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxkbcommon-x11-0 libxkbcommon0 libegl1
          libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core x11-utils
          desktop-file-utils appstream)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo_=""
[ "$(id -u)" -eq 0 ] || sudo_="sudo"
$sudo_ apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}"
