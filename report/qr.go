package report

import (
	"errors"
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// QRCodePNG returns a PNG image of a QR code (medium error correction, a
// quiet zone included) holding content, such as an activity's check-in deep
// link. The image is square, size pixels a side, or larger when size is too
// small for the code. It returns an error for empty content, a size below 1
// or content too long for a QR code.
func QRCodePNG(content string, size int) ([]byte, error) {
	if content == "" {
		return nil, errors.New("qr code: empty content")
	}
	if size < 1 {
		return nil, fmt.Errorf("qr code: size %d is not a positive number of pixels", size)
	}
	png, err := qrcode.Encode(content, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("qr code of %d bytes: %w", len(content), err)
	}
	return png, nil
}
