package sandbox

import "golang.org/x/sys/unix"

// nativeAuditArch is the seccomp_data.arch of a system call made through
// the 64-bit ABI the program is built for; every other (the 32-bit arm
// ABI among them) is killed.
const nativeAuditArch = unix.AUDIT_ARCH_AARCH64

// x32SyscallBit is zero: arm64 has no x32-like ABI to tell apart by the
// call number.
const x32SyscallBit = 0

// archRefusedSyscalls are refused calls that exist on this architecture
// only: none.
var archRefusedSyscalls []uint32

// forkSyscalls are the calls that start a process or a thread (clone3 is
// refused with ENOSYS, for the C library to fall back to clone).
var forkSyscalls = []uint32{unix.SYS_CLONE}
