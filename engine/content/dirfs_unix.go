//go:build unix

package content

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/clairon-dev/clairon/engine/internal/parallel"
)

// readDirStat lists the folder at path sorted by name, as os.ReadDir does,
// and lstats each entry relative to the open folder (fstatat), which spares
// the kernel a path walk per file, in parallel. An entry that cannot be
// stat'ed (removed meanwhile) returns the error from Info.
func readDirStat(path string) ([]fs.DirEntry, error) {
	dir, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	listed, err := dir.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(listed, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return statEntries(dir, path, listed)
}

// statEntries lstats the entries listed from the open folder dir (at
// path), on every core.
func statEntries(dir *os.File, path string, listed []fs.DirEntry) ([]fs.DirEntry, error) {
	rc, err := dir.SyscallConn()
	if err != nil {
		return nil, err
	}
	entries := make([]statEntry, len(listed))
	statRange := func(fd int, lo, hi int) {
		for i := lo; i < hi; i++ {
			e := &entries[i]
			e.DirEntry = listed[i]
			var st unix.Stat_t
			if err := unix.Fstatat(fd, e.Name(), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				e.err = &fs.PathError{Op: "lstat", Path: filepath.Join(path, e.Name()), Err: err}
				continue
			}
			e.info = fileInfo{name: e.Name(), size: st.Size, mode: fileMode(uint32(st.Mode)),
				when: time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec))}
		}
	}
	ctlErr := rc.Control(func(fd uintptr) {
		// By 64: below that, a goroutine costs more than it saves.
		parallel.Chunks(len(listed), 64, func(lo, hi int) { statRange(int(fd), lo, hi) })
	})
	if ctlErr != nil {
		return nil, ctlErr
	}
	out := make([]fs.DirEntry, len(entries))
	for i := range entries {
		out[i] = &entries[i]
	}
	return out, nil
}

// fileMode converts a stat mode as os.Lstat does.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
