package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"

	"github.com/lamplighter-bot/lamplighter/catalog"
	"github.com/lamplighter-bot/lamplighter/record"
)

// Certificate size in pixels, and the side of its QR code.
const (
	CertificateWidth  = 1000
	CertificateHeight = 640
	certificateQR     = 300
)

// Certificate colours.
var (
	certBorder = color.RGBA{0xb0, 0x2a, 0x2a, 0xff}
	certPale   = color.RGBA{0xfa, 0xf6, 0xef, 0xff}
)

// CertificateData is record.Certificate.
type CertificateData = record.Certificate

// Certificate draws a statement's certificate as a CertificateWidth ×
// CertificateHeight PNG in lang: title, name, community, unit, year,
// participations in total, by kind and by method, the grade (or that none
// was given), the issue date and statement id, and the QR code of the
// verify URL with the URL below it. Like Chart, "zh" gives Chinese labels
// when CJKFontAvailable and English ones otherwise; a name, unit or
// community name that no available font can draw is replaced by the member
// id, "—" and the community id. It errors for a URL too long for a QR
// code and for a font that cannot be sized.
func Certificate(d CertificateData, lang string) ([]byte, error) {
	st := d.Statement
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
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
	img := image.NewRGBA(image.Rect(0, 0, CertificateWidth, CertificateHeight))
	draw.Draw(img, img.Bounds(), image.NewUniform(certPale), image.Point{}, draw.Src)
	p := &painter{img: img, fonts: fonts, faces: map[faceKey]font.Face{}}
	defer p.close()
	t := func(id string, args ...any) string { return catalog.Text(lang, id, args...) }
	or := func(s, alt string) string {
		if s == "" || !p.drawable(s) {
			return alt
		}
		return s
	}

	// A double frame.
	for _, in := range []int{14, 22} {
		w := 4 - (in-14)/4
		r := image.Rect(in, in, CertificateWidth-in, CertificateHeight-in)
		p.fill(image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), certBorder)
		p.fill(image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y), certBorder)
		p.fill(image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), certBorder)
		p.fill(image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y), certBorder)
	}
	p.text(t("cert.title"), CertificateWidth/2, 84, 34, certBorder, alignCenter)

	// Left: the facts.
	x, vx, y := 70, 250, 150
	line := func(label, value string) {
		p.text(label, x, y, 18, grey, alignLeft)
		p.text(value, vx, y, 20, ink, alignLeft)
		y += 38
	}
	line(t("cert.name"), or(d.Name, st.Member))
	line(t("cert.community"), or(d.Community, st.Community))
	line(t("cert.unit"), or(d.Unit, "—"))
	line(t("cert.year"), strconv.Itoa(st.Year))
	line(t("cert.total"), strconv.Itoa(st.Total()))
	kinds, korder := st.Counts(false)
	var kl []string
	for _, k := range korder {
		kl = append(kl, catalog.Text(lang, "statement.kind."+k)+" "+strconv.Itoa(kinds[k]))
	}
	line(t("cert.by_kind"), or(strings.Join(kl, " · "), "—"))
	methods, morder := st.Counts(true)
	var ml []string
	for _, m := range morder {
		ml = append(ml, catalog.Text(lang, "method."+m)+" "+strconv.Itoa(methods[m]))
	}
	// Methods may be many: two per line.
	p.text(t("cert.by_method"), x, y, 18, grey, alignLeft)
	if len(ml) == 0 {
		ml = []string{"—"}
	}
	for i := 0; i < len(ml); i += 2 {
		p.text(or(strings.Join(ml[i:min(i+2, len(ml))], " · "), "—"), vx, y, 18, ink, alignLeft)
		y += 28
	}
	y += 10
	grade := t("cert.no_grade")
	if st.Grade != "" {
		grade = st.Grade // a grade the catalog does not name is shown as given
		if msg, ok := catalog.Lookup(lang, "statement.grade."+st.Grade); ok {
			grade = msg
		}
	}
	line(t("cert.grade"), grade)

	// Right: the QR code of the verify URL, or the note that there is none.
	qx, qy := CertificateWidth-70-certificateQR, 130
	if d.URL != "" {
		q, err := qrcode.New(d.URL, qrcode.Medium)
		if err != nil {
			return nil, fmt.Errorf("certificate qr code of %d bytes: %w", len(d.URL), err)
		}
		code := q.Image(certificateQR)
		draw.Draw(img, image.Rect(qx, qy, qx+certificateQR, qy+certificateQR), code, code.Bounds().Min, draw.Src)
		p.text(t("cert.scan"), qx+certificateQR/2, qy+certificateQR+28, 16, ink, alignCenter)
		p.text(d.URL, CertificateWidth/2, CertificateHeight-74, 13, grey, alignCenter)
	} else {
		p.fill(image.Rect(qx, qy, qx+certificateQR, qy+certificateQR), gridGrey)
		p.text(t("cert.offline"), qx+certificateQR/2, qy+certificateQR/2, 16, ink, alignCenter)
	}
	p.text(t("cert.issued", st.Issued.In(loc).Format(time.DateOnly), st.ID), CertificateWidth/2, CertificateHeight-48, 15, grey, alignCenter)

	if p.err != nil {
		return nil, fmt.Errorf("certificate %s: %w", st.ID, p.err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("certificate %s: encode png: %w", st.ID, err)
	}
	return buf.Bytes(), nil
}

// Certificate is Certificate.
func (Renderer) Certificate(d CertificateData, lang string) ([]byte, error) {
	return Certificate(d, lang)
}
