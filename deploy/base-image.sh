#!/usr/bin/env bash
# Make a Python base image without a registry: debootstrap a minimal Debian bookworm with
# Debian's python3 and venv, add this machine's CA bundle and pip settings (so pip inside the
# image reaches the package index the way pip on the host does), and `docker import` it.
#
#   deploy/base-image.sh [IMAGE]      default IMAGE: partnerportal-base:bookworm
#
# The root file system is cached as a tarball in $BASE_IMAGE_CACHE (default
# /var/cache/partnerportal), so later runs only import it; delete the tarball to rebuild.
# Build the portal on it with `--build-arg PYTHON_IMAGE=IMAGE` (see docs/deploy.md).
set -euo pipefail

image=${1:-partnerportal-base:bookworm}
cache=${BASE_IMAGE_CACHE:-/var/cache/partnerportal}
suite=bookworm
# DEBIAN_MIRROR: a Debian mirror URL; unset, debootstrap uses its default one.
mirror=${DEBIAN_MIRROR:-}
tarball="${cache}/base-${suite}.tar"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image ${image} is already there"
  exit 0
fi

if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || {
    echo "debootstrap is not installed (apt-get install debootstrap)" >&2
    exit 1
  }
  mkdir -p "$cache"
  rootfs=$(mktemp -d "${cache}/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  echo "debootstrap ${suite} into ${rootfs} (a few minutes)"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$suite" "$rootfs" ${mirror:+"$mirror"} >"${cache}/debootstrap.log" 2>&1 || {
    tail -20 "${cache}/debootstrap.log" >&2
    exit 1
  }

  # This machine's CA bundle: it may hold an authority that the network's TLS goes through,
  # which Debian's bundle in the new root lacks.
  cp /etc/ssl/certs/ca-certificates.crt "${rootfs}/etc/ssl/certs/ca-certificates.crt"
  # pip bundles its own CA list unless told otherwise; point it at the system bundle, and
  # copy the host's package index if pip here has one (local file:// indexes mean nothing
  # inside the image, so only http(s) ones are copied).
  {
    echo "[global]"
    echo "cert = /etc/ssl/certs/ca-certificates.crt"
    index=$(pip config get global.index-url 2>/dev/null || true)
    case "$index" in http://* | https://*) echo "index-url = ${index}" ;; esac
    timeout=$(pip config get global.timeout 2>/dev/null || true)
    [ -n "$timeout" ] && echo "timeout = ${timeout}"
  } >"${rootfs}/etc/pip.conf"

  # Slim it: no package cache, lists, documentation or locales.
  rm -rf "${rootfs}"/var/cache/apt/archives/*.deb "${rootfs}"/var/lib/apt/lists/* \
    "${rootfs}"/usr/share/doc/* "${rootfs}"/usr/share/man/* "${rootfs}"/usr/share/info/* \
    "${rootfs}"/usr/share/locale/* "${rootfs}"/var/log/*.log "${rootfs}"/tmp/*
  tar -C "$rootfs" --numeric-owner -cf "${tarball}.part" .
  mv "${tarball}.part" "$tarball"
fi

echo "docker import ${tarball} as ${image}"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  "$tarball" "$image" >/dev/null
