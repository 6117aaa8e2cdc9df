#!/usr/bin/env bash
# The Debian packages the test suite needs, installed when missing (as root, or through sudo
# without a password); otherwise it names them and stops, before any test runs.
#   chromium                       browser tests, and its SwiftShader Vulkan driver for WebGPU in Node
#   libvulkan1                     the Vulkan loader Dawn (the `webgpu` package) uses
#   libegl1 libegl-mesa0 libgles2  Mesa llvmpipe OpenGL ES (WebGPU compatibility mode)
#   parallel                       GNU parallel: the many-workers tile test
#   python3-numpy                  NumPy for /usr/bin/python3: the independent .npy reader/writer
# Called by `npm test` and by .ci/run. Set MATJAC_SKIP_SYSTEM_DEPS=1 to skip the check.
set -euo pipefail
[ "${MATJAC_SKIP_SYSTEM_DEPS:-}" = 1 ] && exit 0

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
for pkg in libvulkan1 libegl1 libegl-mesa0 libgles2 parallel python3-numpy; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "matjac tests need these Debian packages (or their equivalents): ${need[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "matjac tests need these Debian packages, not installed here:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
