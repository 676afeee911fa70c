//go:build linux

package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill the server if the test binary dies
// without running its cleanups (a -timeout panic, a kill).
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
