package srcread

import "syscall"

// Kernel file systems whose "regular files" are views of the system
// (/proc/self/environ reports size 0 and holds the environment).
const (
	procSuperMagic  = 0x9fa0
	sysfsMagic      = 0x62656572
	debugfsMagic    = 0x64626720
	securityfsMagic = 0x73636673
	tracefsMagic    = 0x74726163
)

// special reports whether path lies on a kernel file system.
func special(path string) bool {
	var st syscall.Statfs_t
	if syscall.Statfs(path, &st) != nil {
		return false
	}
	switch st.Type {
	case procSuperMagic, sysfsMagic, debugfsMagic, securityfsMagic, tracefsMagic:
		return true
	}
	return false
}
