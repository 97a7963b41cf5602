# Sourced by the benchmarks: sets OPENBLAS_DIR to a directory holding Debian's OpenBLAS
# libblas.so.3 (libopenblas0-pthread, fetched with `apt-get download` and unpacked into
# bench/.cache, never installed: the system's BLAS setting is left alone), or to "" when it
# cannot be had. Put it in LD_LIBRARY_PATH for the runs that should use it.
OPENBLAS_DIR=""
openblas_cache="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.cache/openblas"
openblas_lib="$openblas_cache/root/usr/lib/x86_64-linux-gnu/openblas-pthread"
if [ ! -e "$openblas_lib/libblas.so.3" ]; then
  mkdir -p "$openblas_cache"
  echo "== fetching libopenblas0-pthread (apt-get download, unpacked into bench/.cache)" >&2
  if (cd "$openblas_cache" && apt-get download libopenblas0-pthread >/dev/null 2>&1) &&
     dpkg-deb -x "$(ls "$openblas_cache"/libopenblas0-pthread_*.deb | head -n1)" "$openblas_cache/root"; then
    rm -f "$openblas_cache"/libopenblas0-pthread_*.deb
  else
    echo "   (could not fetch it: the system BLAS is used)" >&2
  fi
fi
[ -e "$openblas_lib/libblas.so.3" ] && OPENBLAS_DIR="$openblas_lib"
