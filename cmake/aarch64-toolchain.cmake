# Cross build for arm64 Linux, run under qemu-user:
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-toolchain.cmake
# Needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user(-static).
# The loader needs libelf-dev:arm64 and libbpf-dev:arm64 (Debian multiarch:
# dpkg --add-architecture arm64); without them add -DBPFX_LOADER=OFF, which
# leaves the loader, the CLI's object commands and tests/loader out.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(BPFX_AARCH64_SYSROOT /usr/aarch64-linux-gnu)
find_program(BPFX_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64 REQUIRED)
# -cpu max: ARMv8.1+ with the LSE atomics the JIT uses.
set(CMAKE_CROSSCOMPILING_EMULATOR ${BPFX_QEMU_AARCH64};-cpu;max;-L;${BPFX_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH ${BPFX_AARCH64_SYSROOT};/)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# host pkg-config must not hand out x86-64 libraries
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:${BPFX_AARCH64_SYSROOT}/lib/pkgconfig)
