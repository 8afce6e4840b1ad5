#!/usr/bin/env bash
# System packages the integration tests use: Prometheus (the metrics tests scrape a real
# worker with it) and Chromium with ChromeDriver (the live page is tested in a real browser).
# Installs from Debian's packages what is missing; does nothing when all are present.
set -euo pipefail

declare -A wanted=([prometheus]=prometheus [chromium]=chromium [chromedriver]=chromium-driver)
missing=()
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null || missing+=("${wanted[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing from Debian: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
