package report_test

import (
	"bytes"
	"image"
	_ "image/png"
	"testing"

	"github.com/lamplighter-bot/lamplighter/report"
)

func TestQRCodePNG(t *testing.T) {
	b, err := report.QRCodePNG("https://t.me/lamplighter_bot?start=ci_k7q2m9", 256)
	if err != nil {
		t.Fatalf("QRCodePNG: %v", err)
	}
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode QR code: %v", err)
	}
	size := img.Bounds().Size()
	if format != "png" || size.X != size.Y || size.X != 256 {
		t.Errorf("QR code is a %s of %v, want a 256x256 png", format, size)
	}
}

func TestQRCodePNGRejects(t *testing.T) {
	for _, tt := range []struct {
		content string
		size    int
	}{{"", 256}, {"x", 0}, {"x", -1}, {string(bytes.Repeat([]byte("x"), 5000)), 256}} {
		if _, err := report.QRCodePNG(tt.content, tt.size); err == nil {
			t.Errorf("QRCodePNG(%d bytes, %d) = nil error, want one", len(tt.content), tt.size)
		}
	}
}
