package sandbox

import "golang.org/x/sys/unix"

// nativeAuditArch is the seccomp_data.arch of a system call made through
// the 64-bit ABI the program is built for; every other is killed.
const nativeAuditArch = unix.AUDIT_ARCH_X86_64

// x32SyscallBit (__X32_SYSCALL_BIT) marks the number of an x32 system
// call: the native architecture, another ABI.
const x32SyscallBit = 0x40000000

// archRefusedSyscalls are refused calls that exist on this architecture
// only.
var archRefusedSyscalls = []uint32{unix.SYS_IOPL, unix.SYS_IOPERM, unix.SYS_USELIB, unix.SYS_INOTIFY_INIT}

// forkSyscalls are the calls that start a process or a thread (clone3 is
// refused with ENOSYS, for the C library to fall back to clone).
var forkSyscalls = []uint32{unix.SYS_CLONE, unix.SYS_FORK, unix.SYS_VFORK}
