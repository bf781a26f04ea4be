// Package count measures a post the way each target network measures it and
// finds the entities (links, hashtags, mentions, cashtags) the network will
// recognise.
//
// Each network has its own unit: X weighs code points and counts every link as
// 23 (twitter-text, configuration v3), Mastodon counts grapheme clusters of the
// content warning plus the text with links shortened, Bluesky counts grapheme
// clusters and UTF-8 bytes, Telegram counts UTF-16 code units, and so on.
// Count returns one Result per text; RunJSONL does the same for a stream of
// texts, one JSON string per line.
//
// Offsets in a Result are UTF-8 byte offsets into the text as given.
package count

//go:generate go run ./internal/tldgen -in ../../../../shared/conformance/twitter-text -out tlds_gen.go
//go:generate go run ./internal/emojigen -out extpict_gen.go
