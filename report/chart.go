package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strconv"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	lamplighter "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/catalog"
	"github.com/lamplighter-bot/lamplighter/record"
)

// Chart size in pixels.
const (
	ChartWidth  = 800
	ChartHeight = 500
)

// Chart colours.
var (
	white    = color.RGBA{0xff, 0xff, 0xff, 0xff}
	ink      = color.RGBA{0x22, 0x22, 0x22, 0xff}
	grey     = color.RGBA{0x77, 0x77, 0x77, 0xff}
	gridGrey = color.RGBA{0xe3, 0xe3, 0xe3, 0xff}
	axisGrey = color.RGBA{0x99, 0x99, 0x99, 0xff}
	barBlue  = color.RGBA{0x4c, 0x78, 0xa8, 0xff}
	okGreen  = color.RGBA{0x54, 0xa2, 0x4b, 0xff}
	belowRed = color.RGBA{0xe4, 0x57, 0x56, 0xff}
)

// Text sizes in pixels.
const (
	titleSize = 22.0
	headSize  = 15.0
	textSize  = 13.0
)

// Chart draws the year's figures of one community as a ChartWidth×ChartHeight
// PNG: participations by month (12 bars, voided ones left out) and how many
// of the members active that year are compliant or not (as in MemberRows),
// with a title, the date the figures stand at, and the community's minimums.
// lang "zh" gives Chinese labels when CJKFontAvailable, and English ones
// otherwise; any other lang gives English. A community name that no
// available font can draw is replaced by the community id, so no text is
// ever drawn as boxes. The same inputs and fonts give the same bytes. It is
// safe for concurrent use; its only error is a font that cannot be sized.
func Chart(d CommunityData, year int, now time.Time, lang string) ([]byte, error) {
	return ChartSummary(record.Summarize(d, year, now), now, lang)
}

// ChartSummary is Chart drawn from a year's summary (what Chart draws of
// the data), so that a caller that keeps the figures (the standing index)
// needs no whole community.
func ChartSummary(s record.Summary, now time.Time, lang string) ([]byte, error) {
	year := s.Year
	c := s.Community.ForYear(year)
	loc := c.Location()
	months := s.ByMonth
	compliant := s.Compliant
	members := s.Members

	// The fonts to draw with, in order of preference.
	var fonts []*sfnt.Font
	cjk := cjkFont()
	if lang == "zh" && cjk != nil {
		fonts = []*sfnt.Font{cjk}
	} else {
		lang = "en"
		fonts = []*sfnt.Font{latinFont()}
		if cjk != nil {
			fonts = append(fonts, cjk)
		}
	}
	p := newPainter(fonts)
	defer p.close()

	name := c.Name
	if name == "" || !p.drawable(catalog.Text(lang, "chart.title", name, year)) {
		name = c.ID
	}
	stand := catalog.Text(lang, "chart.full_year")
	if now.Before(lamplighter.YearEnd(year, loc)) {
		stand = catalog.Text(lang, "chart.as_of", now.In(loc).Format(time.DateOnly))
	}
	footer := catalog.Text(lang, "chart.footer",
		catalog.Plural(lang, "chart.minimum_participations", c.Minimum, c.Minimum),
		catalog.Plural(lang, "chart.minimum_posts", c.PostMinimum, c.PostMinimum),
		catalog.Plural(lang, "chart.members", members, members))

	p.text(catalog.Text(lang, "chart.title", name, year), ChartWidth/2, 38, titleSize, ink, alignCenter)
	p.text(stand, ChartWidth/2, 62, textSize, grey, alignCenter)
	p.text(footer, ChartWidth/2, ChartHeight-14, textSize, grey, alignCenter)

	// Left: participations by month.
	plot := image.Rect(64, 118, 560, 430)
	p.text(catalog.Text(lang, "chart.by_month"), plot.Min.X, 98, headSize, ink, alignLeft)
	top, step := niceScale(maxOf(months[:]))
	for v := 0; v <= top; v += step {
		y := plot.Max.Y - v*plot.Dy()/top
		p.fill(image.Rect(plot.Min.X, y, plot.Max.X, y+1), gridGrey)
		p.text(strconv.Itoa(v), plot.Min.X-8, y+5, textSize, grey, alignRight)
	}
	slot := plot.Dx() / 12
	for i, n := range months {
		x := plot.Min.X + i*slot
		h := n * plot.Dy() / top
		p.fill(image.Rect(x+6, plot.Max.Y-h, x+slot-6, plot.Max.Y), barBlue)
		if n > 0 {
			p.text(strconv.Itoa(n), x+slot/2, plot.Max.Y-h-6, textSize, ink, alignCenter)
		}
		p.text(catalog.Text(lang, "chart.month."+strconv.Itoa(i+1)), x+slot/2, plot.Max.Y+20, textSize, ink, alignCenter)
	}
	p.fill(image.Rect(plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y+1), axisGrey)

	// Right: compliant and not compliant members, scaled to all members.
	side := image.Rect(600, 118, 780, 430)
	p.text(catalog.Text(lang, "chart.compliance"), side.Min.X+side.Dx()/2, 98, headSize, ink, alignCenter)
	total := max(members, 1)
	half := side.Dx() / 2
	for i, b := range []struct {
		n     int
		label string
		col   color.Color
	}{
		{compliant, catalog.Text(lang, "chart.compliant"), okGreen},
		{members - compliant, catalog.Text(lang, "chart.below"), belowRed},
	} {
		x := side.Min.X + i*half
		h := b.n * side.Dy() / total
		p.fill(image.Rect(x+18, side.Max.Y-h, x+half-18, side.Max.Y), b.col)
		p.text(strconv.Itoa(b.n), x+half/2, side.Max.Y-h-6, textSize, ink, alignCenter)
		p.text(b.label, x+half/2, side.Max.Y+20, textSize, ink, alignCenter)
	}
	p.fill(image.Rect(side.Min.X, side.Max.Y, side.Max.X, side.Max.Y+1), axisGrey)

	if p.err != nil {
		return nil, fmt.Errorf("chart of %s for %d: %w", c.ID, year, p.err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, p.img); err != nil {
		return nil, fmt.Errorf("chart of %s for %d: encode png: %w", c.ID, year, err)
	}
	return buf.Bytes(), nil
}

// niceScale returns an axis top at or above n and a tick step of 1, 2 or 5
// times a power of ten giving at most 5 intervals.
func niceScale(n int) (top, step int) {
	if n <= 0 {
		return 1, 1
	}
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = base * m
			if intervals := (n + step - 1) / step; intervals <= 5 {
				return intervals * step, step
			}
		}
	}
}

func maxOf(ns []int) int {
	m := 0
	for _, n := range ns {
		m = max(m, n)
	}
	return m
}

type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// painter draws rectangles and text on a white canvas, choosing for each
// string the first of its fonts that has all its glyphs.
type painter struct {
	img   *image.RGBA
	fonts []*sfnt.Font
	faces map[faceKey]font.Face
	buf   sfnt.Buffer
	err   error // the first error met; drawing goes on without the text
}

type faceKey struct {
	f    *sfnt.Font
	size float64
}

func newPainter(fonts []*sfnt.Font) *painter {
	img := image.NewRGBA(image.Rect(0, 0, ChartWidth, ChartHeight))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	return &painter{img: img, fonts: fonts, faces: map[faceKey]font.Face{}}
}

func (p *painter) close() {
	for _, f := range p.faces {
		f.Close()
	}
}

func (p *painter) fill(r image.Rectangle, c color.Color) {
	draw.Draw(p.img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// pick returns the first font that covers s, or nil.
func (p *painter) pick(s string) *sfnt.Font {
	for _, f := range p.fonts {
		if covers(f, &p.buf, s) {
			return f
		}
	}
	return nil
}

func (p *painter) drawable(s string) bool { return p.pick(s) != nil }

// text draws s with its baseline at y, aligned on x. Text that no font
// covers is not drawn (callers only pass text they checked or produced).
func (p *painter) text(s string, x, y int, size float64, c color.Color, a align) {
	f := p.pick(s)
	if f == nil {
		return
	}
	k := faceKey{f, size}
	face, ok := p.faces[k]
	if !ok {
		var err error
		face, err = opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			if p.err == nil {
				p.err = fmt.Errorf("font face: %w", err)
			}
			return
		}
		p.faces[k] = face
	}
	dr := &font.Drawer{Dst: p.img, Src: image.NewUniform(c), Face: face}
	w := dr.MeasureString(s).Round()
	switch a {
	case alignCenter:
		x -= w / 2
	case alignRight:
		x -= w
	}
	dr.Dot = fixed.P(x, y)
	dr.DrawString(s)
}
