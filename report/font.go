package report

import (
	"encoding/binary"
	"os"
	"strings"
	"sync"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// FontPaths lists the font files, in order of preference, that Chart tries
// for Chinese text: TrueType or OpenType fonts or collections (.ttf, .otf,
// .ttc). The first that parses and has Chinese glyphs is used. The defaults
// are where Debian's fonts-noto-cjk and fonts-wqy-microhei (or -zenhei) put
// them, then the usual places on Fedora, Arch and macOS. Set it before
// drawing charts (a program's start, a test); it is read, never written, by
// this package, and must not change while a chart is being drawn.
var FontPaths = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
	"/System/Library/Fonts/PingFang.ttc",
	"/System/Library/Fonts/STHeiti Medium.ttc",
}

// cjkProbe is text a usable Chinese font must cover: the labels Chart draws.
const cjkProbe = "年月社区参与达标未次数成员截至最低要求岗位"

// CJKFontAvailable reports whether one of FontPaths is a font that can draw
// Chinese labels, that is whether Chart draws Chinese text rather than
// falling back to English. It reads the font files (once per file while they
// stay usable); it is safe for concurrent use.
func CJKFontAvailable() bool {
	return cjkFont() != nil
}

var fontCache struct {
	sync.Mutex
	fonts map[string]*sfnt.Font // usable fonts by path; failures are not kept, so a font installed later is found
}

// cjkFont returns the first usable Chinese font of FontPaths, or nil.
func cjkFont() *sfnt.Font {
	for _, p := range FontPaths {
		if f := loadCJK(p); f != nil {
			return f
		}
	}
	return nil
}

// loadCJK parses the font or collection at path and returns its best font for
// Simplified Chinese: in a collection, the first whose family name says SC
// (Noto's "Noto Sans CJK SC"), else the first that covers cjkProbe. It
// returns nil when the file is missing, unparsable or has no Chinese glyphs.
func loadCJK(path string) *sfnt.Font {
	fontCache.Lock()
	defer fontCache.Unlock()
	if f, ok := fontCache.fonts[path]; ok {
		return f
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var buf sfnt.Buffer
	var best *sfnt.Font
	for _, f := range fontsIn(data) {
		if !covers(f, &buf, cjkProbe) {
			continue
		}
		if best == nil {
			best = f
		}
		if name, err := f.Name(&buf, sfnt.NameIDFamily); err == nil && strings.HasSuffix(name, " SC") {
			best = f
			break
		}
	}
	if best == nil {
		return nil
	}
	if fontCache.fonts == nil {
		fontCache.fonts = map[string]*sfnt.Font{}
	}
	fontCache.fonts[path] = best
	return best
}

// fontsIn returns the fonts of a font file or collection that can be parsed.
// A font that golang.org/x/image/font/sfnt refuses because its tables do not
// start on four-byte boundaries (fonts-wqy-microhei's collection is one) is
// parsed again from an aligned copy of its tables.
func fontsIn(data []byte) []*sfnt.Font {
	offsets := fontOffsets(data)
	coll, collErr := opentype.ParseCollection(data)
	var out []*sfnt.Font
	for i, off := range offsets {
		if collErr == nil && i < coll.NumFonts() {
			if f, err := coll.Font(i); err == nil {
				out = append(out, f)
				continue
			}
		}
		if aligned := alignTables(data, off); aligned != nil {
			if f, err := opentype.Parse(aligned); err == nil {
				out = append(out, f)
			}
		}
	}
	return out
}

// fontOffsets returns where each font's offset table starts: the offsets in
// a TrueType Collection header, or 0 for a single font.
func fontOffsets(data []byte) []int {
	if len(data) < 12 || string(data[:4]) != "ttcf" {
		return []int{0}
	}
	n := int(binary.BigEndian.Uint32(data[8:12]))
	if n > 1000 || len(data) < 12+4*n {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = int(binary.BigEndian.Uint32(data[12+4*i:]))
	}
	return out
}

// alignTables copies the font whose offset table starts at off into a
// standalone font file whose tables each start on a four-byte boundary, as
// the OpenType specification requires. It returns nil for malformed data.
func alignTables(data []byte, off int) []byte {
	if off < 0 || off+12 > len(data) {
		return nil
	}
	numTables := int(binary.BigEndian.Uint16(data[off+4:]))
	dir := off + 12
	if dir+16*numTables > len(data) {
		return nil
	}
	size := 12 + 16*numTables
	out := make([]byte, size, size+len(data)/2)
	copy(out, data[off:off+size])
	for i := 0; i < numTables; i++ {
		rec := dir + 16*i
		o := int(binary.BigEndian.Uint32(data[rec+8:]))
		n := int(binary.BigEndian.Uint32(data[rec+12:]))
		if o < 0 || n < 0 || o+n > len(data) || o+n < o {
			return nil
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		binary.BigEndian.PutUint32(out[12+16*i+8:], uint32(len(out)))
		out = append(out, data[o:o+n]...)
	}
	return out
}

// latinFont is the Go Regular font bundled with golang.org/x/image: Latin
// text only, always there.
var latinFont = sync.OnceValue(func() *sfnt.Font {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic("report: parse the bundled Go font: " + err.Error()) // cannot happen: the font is compiled in
	}
	return f
})

// covers reports whether f has a glyph for every non-space rune of s.
func covers(f *sfnt.Font, buf *sfnt.Buffer, s string) bool {
	for _, r := range s {
		if r == ' ' || r == '\n' {
			continue
		}
		g, err := f.GlyphIndex(buf, r)
		if err != nil || g == 0 {
			return false
		}
	}
	return true
}
