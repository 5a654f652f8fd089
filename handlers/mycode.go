package handlers

import (
	ll "github.com/lamplighter-bot/lamplighter"
)

// myCode answers /mycode: a photo of the QR code of the member's personal
// check-in code (app.Scans.MyCode, SPEC section 9), which an organizer scans
// from the Mini App to check them in. It is good for one scan within
// app.ScanCodeTTL; the reply offers the app's page, which renews it.
func (c *call) myCode() []ll.Reply {
	code, err := c.h.app.Scans.MyCode(c.ctx, c.actor())
	if err != nil {
		if c.stalePointer(err) {
			return c.notMember()
		}
		return c.fail(err, "")
	}
	if c.h.render == nil {
		return c.say("mycode.text", code.Member, code.Code)
	}
	png, err := c.h.render.QRCodePNG(code.Code, qrSize)
	if err != nil {
		c.h.log.Error("personal check-in QR code", "member", code.Member, "err", err)
		return c.say("mycode.text", code.Member, code.Code)
	}
	return []ll.Reply{{
		Text:    c.t("mycode.caption", code.Member),
		File:    &ll.File{Name: "mycode-" + code.Member + ".png", MIME: "image/png", Data: png, Photo: true},
		Buttons: c.appButtonRow("code"),
	}}
}

// scanErrorText words the refusals of a scan check-in (the Mini App's scan
// page words them with the same messages).
func (c *call) scanErrorText(e *ll.Error) (string, bool) {
	switch e.Detail {
	case ll.ReasonScanCode, ll.ReasonScanExpired, ll.ReasonScanUsed, ll.ReasonScanCommunity:
		return c.t("webapp.scan." + e.Detail), true
	}
	return "", false
}
