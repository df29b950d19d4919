package sandbox

import (
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCloseInheritedFDsClosesOnlyStrays(t *testing.T) {
	stray, err := syscall.Open("/", syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	own, err := os.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	CloseInheritedFDs()
	if _, err := unix.FcntlInt(uintptr(stray), unix.F_GETFD, 0); err == nil {
		syscall.Close(stray)
		t.Errorf("descriptor %d without close-on-exec is still open", stray)
	}
	if _, err := own.Stat(); err != nil {
		t.Errorf("a descriptor of this process's own was closed: %v", err)
	}
}
