package render

import (
	"strings"

	"github.com/clairon-dev/clairon/engine/network"
)

// flavor is how one text format writes Markdown's inline and block
// constructs. Literal text goes through escape; markup is written raw.
type flavor struct {
	format network.Format
	escape func(string) string
	// url writes a bare URL (already UTM-tagged).
	url    func(string) string
	strong [2]string
	emph   [2]string
	strike [2]string
	code   func(string) string
	// link writes a link whose label (already rendered) differs from its URL.
	link      func(label, url string) string
	heading   func(text string) string
	quote     func(block string) string
	codeBlock func(code string) string
	bullet    string
}

var identity = func(s string) string { return s }

func prefixLines(prefix string) func(string) string {
	return func(block string) string {
		lines := strings.Split(block, "\n")
		for i, l := range lines {
			lines[i] = prefix + l
		}
		return strings.Join(lines, "\n")
	}
}

// plain is for networks that show text as written: Mastodon, Bluesky, X,
// Facebook, Instagram, and the webhook's text field. Emphasis disappears,
// links show their label then their URL.
var plain = flavor{
	format: network.FormatPlain,
	escape: identity,
	url:    identity,
	code:   identity,
	link: func(label, url string) string {
		return label + " " + url
	},
	heading:   identity,
	quote:     prefixLines("> "),
	codeBlock: identity,
	bullet:    "• ",
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// telegramHTML is Telegram's HTML parse mode: b, i, s, code, pre, a,
// blockquote; everything else is escaped text.
var telegramHTML = flavor{
	format: network.FormatHTML,
	escape: htmlEscaper.Replace,
	url:    htmlEscaper.Replace,
	strong: [2]string{"<b>", "</b>"},
	emph:   [2]string{"<i>", "</i>"},
	strike: [2]string{"<s>", "</s>"},
	code:   func(s string) string { return "<code>" + htmlEscaper.Replace(s) + "</code>" },
	link: func(label, url string) string {
		return `<a href="` + attrEscaper.Replace(url) + `">` + label + "</a>"
	},
	heading:   func(s string) string { return "<b>" + s + "</b>" },
	quote:     func(s string) string { return "<blockquote>" + s + "</blockquote>" },
	codeBlock: func(s string) string { return "<pre>" + htmlEscaper.Replace(s) + "</pre>" },
	bullet:    "• ",
}

var discordEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, ">", `\>`)

// discordMarkdown is Discord's Markdown: bold, italics, strike, code,
// quotes, headings and masked links all display.
var discordMarkdown = flavor{
	format: network.FormatMarkdown,
	escape: discordEscaper.Replace,
	url:    identity,
	strong: [2]string{"**", "**"},
	emph:   [2]string{"*", "*"},
	strike: [2]string{"~~", "~~"},
	code:   func(s string) string { return "`" + strings.ReplaceAll(s, "`", "ˋ") + "`" },
	link: func(label, url string) string {
		return "[" + label + "](<" + url + ">)"
	},
	heading:   func(s string) string { return "**" + s + "**" },
	quote:     prefixLines("> "),
	codeBlock: func(s string) string { return "```\n" + s + "\n```" },
	bullet:    "- ",
}

// slackMrkdwn is Slack's mrkdwn: *bold*, _italic_, ~strike~, <url|label>;
// &, < and > must be escaped.
var slackMrkdwn = flavor{
	format: network.FormatMrkdwn,
	escape: htmlEscaper.Replace,
	url:    htmlEscaper.Replace,
	strong: [2]string{"*", "*"},
	emph:   [2]string{"_", "_"},
	strike: [2]string{"~", "~"},
	code:   func(s string) string { return "`" + htmlEscaper.Replace(s) + "`" },
	link: func(label, url string) string {
		return "<" + url + "|" + strings.ReplaceAll(label, "|", "¦") + ">"
	},
	heading:   func(s string) string { return "*" + s + "*" },
	quote:     prefixLines("> "),
	codeBlock: func(s string) string { return "```" + htmlEscaper.Replace(s) + "```" },
	bullet:    "• ",
}

// littleEscaper escapes LinkedIn's reserved characters; unescaped, LinkedIn
// silently truncates the post at the first one.
var littleEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "{", `\{`, "}", `\}`, "@", `\@`,
	"[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`, "<", `\<`, ">", `\>`, "#", `\#`, "*", `\*`, "_", `\_`, "~", `\~`)

// linkedInLittle is LinkedIn's "little text" commentary: plain text with
// reserved characters escaped, hashtags and mentions written raw.
var linkedInLittle = flavor{
	format:    network.FormatLittleText,
	escape:    littleEscaper.Replace,
	url:       littleEscaper.Replace,
	code:      littleEscaper.Replace,
	link:      func(label, url string) string { return label + " " + littleEscaper.Replace(url) },
	heading:   identity,
	quote:     func(s string) string { return "« " + s + " »" },
	codeBlock: littleEscaper.Replace,
	bullet:    "• ",
}

// flavorFor returns the text format a network takes.
func flavorFor(networkName string) flavor {
	switch networkName {
	case "telegram":
		return telegramHTML
	case "discord":
		return discordMarkdown
	case "slack":
		return slackMrkdwn
	case "linkedin":
		return linkedInLittle
	default:
		return plain
	}
}
