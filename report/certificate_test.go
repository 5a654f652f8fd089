package report_test

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	qrreader "github.com/makiuchi-d/gozxing/qrcode"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/report"
)

// decodeQR reads the QR code in a PNG, as a phone's camera would.
func decodeQR(t *testing.T, png []byte) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatalf("decode png: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("bitmap: %v", err)
	}
	res, err := readQR(bmp)
	if err != nil {
		t.Fatalf("no QR code found in the certificate: %v", err)
	}
	return res.GetText()
}

func certificateData(url string) report.CertificateData {
	return report.CertificateData{
		Statement: ll.Statement{ID: "q3Xk9vB2mT7w", KeyID: "1", Community: "dongan", Member: "M12", Year: 2026,
			Parts: []ll.StatementPart{
				{Ref: "A3", Kind: ll.KindActivity, Method: ll.MethodRotating},
				{Ref: "A7", Kind: ll.KindActivity, Method: ll.MethodLocation},
				{Ref: "S4", Kind: ll.KindService, Method: ll.MethodApproval},
			},
			Grade: "good", Issued: time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)},
		Name: "王小明", Unit: "区税务局", Community: "东安社区", Location: time.FixedZone("CST", 8*3600), URL: url,
	}
}

func TestCertificateQRCode(t *testing.T) {
	const url = "https://bot.example.org/verify/dongan.1.q3Xk9vB2mT7w.Gm0f3kL1pQ8zR2sVabcd"
	for _, lang := range []string{"zh", "en"} {
		png, err := report.Certificate(certificateData(url), lang)
		if err != nil {
			t.Fatalf("Certificate(%s): %v", lang, err)
		}
		img, format, err := image.Decode(bytes.NewReader(png))
		if err != nil || format != "png" {
			t.Fatalf("Certificate(%s) is not a png: %v", lang, err)
		}
		if size := img.Bounds().Size(); size.X != report.CertificateWidth || size.Y != report.CertificateHeight {
			t.Errorf("Certificate(%s) is %v", lang, size)
		}
		if got := decodeQR(t, png); got != url {
			t.Errorf("Certificate(%s) QR code = %q, want %q", lang, got, url)
		}
		if dir := os.Getenv("CERTIFICATE_OUT"); dir != "" {
			os.WriteFile(filepath.Join(dir, "certificate-"+lang+".png"), png, 0o644)
		}
	}
}

func TestCertificateWithoutURL(t *testing.T) {
	png, err := report.Certificate(certificateData(""), "en")
	if err != nil {
		t.Fatalf("Certificate: %v", err)
	}
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	if res, err := qrreader.NewQRCodeReader().Decode(bmp, nil); err == nil {
		t.Errorf("a certificate without a verify URL carries a QR code %q", res.GetText())
	}
}

// readQR reads the QR code in bmp as a phone's scanner would try:
// plainly, then harder, then as a code alone in its image (gozxing's
// plain detector misses a few percent of generated codes, whose content
// here is random).
func readQR(bmp *gozxing.BinaryBitmap) (*gozxing.Result, error) {
	r := qrreader.NewQRCodeReader()
	res, err := r.Decode(bmp, nil)
	for _, hint := range []gozxing.DecodeHintType{gozxing.DecodeHintType_TRY_HARDER, gozxing.DecodeHintType_PURE_BARCODE} {
		if err == nil {
			break
		}
		res, err = r.Decode(bmp, map[gozxing.DecodeHintType]interface{}{hint: true})
	}
	return res, err
}
