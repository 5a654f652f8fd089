package main

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// The web variables (SPEC sections 11 and 12): the public base of the
// statements' verify links, the Mini App's URL (whose scheme and host are
// that base's default) and the reverse proxies whose X-Forwarded-For the
// verify page's rate limit believes.

// validateWeb checks LAMPLIGHTER_WEBAPP_URL, LAMPLIGHTER_PUBLIC_URL and
// LAMPLIGHTER_TRUSTED_PROXIES, fills in the public URL's default and parses
// the proxies.
func (c *Config) validateWeb() error {
	var app *url.URL
	if c.WebAppURL != "" {
		u, err := publicURL(c.WebAppURL)
		if err != "" {
			return badSetting("LAMPLIGHTER_WEBAPP_URL", "%q %s", c.WebAppURL, err)
		}
		app = u
	}
	if c.PublicURL == "" && app != nil {
		c.PublicURL = app.Scheme + "://" + app.Host
	}
	if c.PublicURL != "" {
		u, err := publicURL(c.PublicURL)
		if err != "" {
			return badSetting("LAMPLIGHTER_PUBLIC_URL", "%q %s", c.PublicURL, err)
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		c.PublicURL = u.String()
	}
	c.TrustedProxies = nil
	for _, f := range splitList(c.TrustedProxiesRaw) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return badSetting("LAMPLIGHTER_TRUSTED_PROXIES", "%q is not an IP address or CIDR block", f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return nil
}

// publicURL parses a public base URL: https, or http for a loopback host
// (local testing and the demo), with a host and without user, query or
// fragment. It returns what is wrong, "" when nothing is.
func publicURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || !u.IsAbs():
		return nil, "is not an absolute URL such as https://bot.example.org"
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		return nil, "must not carry a user, a query or a fragment"
	case u.Scheme == "https":
		return u, ""
	case u.Scheme == "http" && loopbackHost(u.Hostname()):
		return u, ""
	case u.Scheme == "http":
		return nil, "must be https (http only for a loopback host such as 127.0.0.1)"
	}
	return nil, "must be an https URL"
}

// loopbackHost reports whether host is localhost or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// publicPath is the path of the public URL ("" for its root), under which
// the verify page is served.
func (c *Config) publicPath() string {
	u, err := url.Parse(c.PublicURL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}
