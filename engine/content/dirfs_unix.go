//go:build unix

package content

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
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
	rc, err := dir.SyscallConn()
	if err != nil {
		return nil, err
	}
	entries := make([]statEntry, len(listed))
	out := make([]fs.DirEntry, len(listed))
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
		const minPerWorker = 64 // below this, a goroutine costs more than it saves
		workers := min(runtime.GOMAXPROCS(0), len(listed)/minPerWorker)
		if workers <= 1 {
			statRange(int(fd), 0, len(listed))
			return
		}
		var wg sync.WaitGroup
		per := (len(listed) + workers - 1) / workers
		for lo := 0; lo < len(listed); lo += per {
			wg.Go(func() { statRange(int(fd), lo, min(len(listed), lo+per)) })
		}
		wg.Wait()
	})
	if ctlErr != nil {
		return nil, ctlErr
	}
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
