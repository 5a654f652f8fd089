package telegramtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// setChatMenuButton answers like Telegram: a menu_button of type web_app
// (with text and an HTTPS web_app.url), commands or default; the call is
// recorded with its chat id (Calls("setChatMenuButton"), Params["menu_button"]).
func (s *Server) setChatMenuButton(w http.ResponseWriter, _ *http.Request, c *Call) {
	var b struct {
		Type   string `json:"type"`
		Text   string `json:"text"`
		WebApp *struct {
			URL string `json:"url"`
		} `json:"web_app"`
	}
	raw := c.Params["menu_button"]
	if raw == "" {
		raw = `{"type":"default"}`
	}
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse menu button JSON object"})
		return
	}
	switch {
	case b.Type == "web_app" && (b.Text == "" || b.WebApp == nil):
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse menu button: text and web_app are required"})
		return
	case b.Type == "web_app" && !strings.HasPrefix(b.WebApp.URL, "https://"):
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: menu button Web App URL '" + b.WebApp.URL + "' is invalid: Only HTTPS links are allowed"})
		return
	case b.Type != "web_app" && b.Type != "commands" && b.Type != "default":
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: unsupported menu button type"})
		return
	}
	s.mu.Lock()
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, true)
}

func init() {
	methods["setchatmenubutton"] = (*Server).setChatMenuButton
	canonical["setchatmenubutton"] = "setChatMenuButton"
}
