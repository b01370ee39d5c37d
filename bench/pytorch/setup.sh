#!/bin/sh
# Bench-only set-up: PyTorch eager (Debian's python3-torch 1.13.1, the same LibTorch
# version the product links) for bench/pytorch/compare.py. Not a product dependency:
# nothing under app/, ui/, inference/ or core/ uses Python. Debian's torch is for the system
# interpreter: run the scripts with /usr/bin/python3 (a pyenv python3 on PATH lacks it).
set -eu
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    /usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "already installed")'
    exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-torch
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
