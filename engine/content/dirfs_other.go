//go:build !unix

package content

import (
	"io/fs"
	"os"
)

// readDirStat lists the folder at path; each entry is stat'ed when its
// Info is asked for.
func readDirStat(path string) ([]fs.DirEntry, error) { return os.ReadDir(path) }
