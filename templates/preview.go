package templates

import "embed"

// Preview holds the html/templates of the preview site (`clairon preview
// --serve` and `--out`), filled by engine/preview.
//
//go:embed preview/*.html preview/*.css
var Preview embed.FS
