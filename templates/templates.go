// Package templates embeds the text clairon writes out: the reference GitHub
// Actions workflow and the scaffold of a new content repository that
// `clairon init` creates (this file), and the templates other packages fill
// in: reports, the preview site, the calendar page.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
	"time"
)

// Workflow is the reference workflow, .github/workflows/clairon.yml in a
// content repository.
//
//go:embed workflows/clairon.yml
var Workflow []byte

// WorkflowPath is where the workflow goes in a content repository.
const WorkflowPath = ".github/workflows/clairon.yml"

//go:embed all:init
var scaffold embed.FS

// File is one file of a scaffold.
type File struct {
	// Path is slash-separated, relative to the repository's root.
	Path string
	Data []byte
}

// Data fills in the scaffold's templates: its time zone, and dates in the
// months after the day the scaffold is made, so that its examples are in the
// future.
type Data struct {
	Timezone string

	CampaignFrom, CampaignTo              string
	WelcomeAt, GiveawayAt                 string
	GiveawayOpens, GiveawayCloses         string
	GiveawayOpensText, GiveawayClosesText string
	CalendarFrom, CalendarTo              string
	BlackoutFrom, BlackoutTo              string
	FreezeExample                         string
}

// NewData dates the scaffold's examples from now, in the time zone tz (an
// IANA name): the campaign runs the whole next month, the calendar three
// months from then.
func NewData(now time.Time, tz string) (Data, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		return Data{}, fmt.Errorf("time zone %q: use an IANA name such as Europe/Paris or America/New_York", tz)
	}
	now = now.In(loc)
	start := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, loc)
	day := func(months, days int) time.Time { return start.AddDate(0, months, days) }
	at := func(d time.Time, hour, minute int) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, loc)
	}
	const date, dateTime, text = "2006-01-02", "2006-01-02 15:04", "Monday 2 January 2006 at 15:04"
	opens, closes := at(day(0, 7), 10, 30), at(day(0, 20), 23, 59)
	return Data{
		Timezone:           tz,
		CampaignFrom:       start.Format(date),
		CampaignTo:         day(1, -1).Format(date),
		WelcomeAt:          at(day(0, 1), 10, 0).Format(dateTime),
		GiveawayAt:         at(day(0, 7), 10, 0).Format(dateTime),
		GiveawayOpens:      opens.Format(dateTime),
		GiveawayCloses:     closes.Format(dateTime),
		GiveawayOpensText:  opens.Format(text),
		GiveawayClosesText: closes.Format(text),
		CalendarFrom:       start.Format(date),
		CalendarTo:         day(3, -1).Format(date),
		BlackoutFrom:       day(1, 14).Format(date),
		BlackoutTo:         day(1, 20).Format(date),
		FreezeExample:      at(day(0, 0), 8, 0).Format(dateTime),
	}, nil
}

// Scaffold returns every file of a new content repository: clairon.yaml, one
// example of each document kind, media/, .gitignore, a README, and the
// workflow. Files ending in .tmpl are filled in with d, and lose the suffix.
func Scaffold(d Data) ([]File, error) {
	var files []File
	err := fs.WalkDir(scaffold, "init", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := scaffold.ReadFile(path)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(path, "init/")
		if name, ok := strings.CutSuffix(rel, ".tmpl"); ok {
			t, err := template.New(rel).Option("missingkey=error").Parse(string(b))
			if err != nil {
				return fmt.Errorf("template %s: %w", rel, err)
			}
			var out bytes.Buffer
			if err := t.Execute(&out, d); err != nil {
				return fmt.Errorf("template %s: %w", rel, err)
			}
			rel, b = name, out.Bytes()
		}
		files = append(files, File{Path: rel, Data: b})
		return nil
	})
	if err != nil {
		return nil, err
	}
	files = append(files, File{Path: WorkflowPath, Data: Workflow})
	return files, nil
}
