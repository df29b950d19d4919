package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// DNS rebinding: a page on a name the attacker controls (evil.example)
// makes that name resolve to this server; the browser then sends the
// page's requests here, with Host and Origin both evil.example, and every
// same-origin check passes. So the server answers only to the names it
// knows: localhost and the host of its public URL, or an IP address typed
// as such. An IP address cannot be rebound, since no name is resolved; it
// is accepted whatever interface it names, because in a container the
// address learners type (the host's) is not the container's own.

// msgForeignForm answers a form sent from a page of another site.
const msgForeignForm = "This form can only be sent from this site."

// msgMisdirected is the whole answer to a request for another host name.
const msgMisdirected = "This server does not answer to this address. Open it by its IP address or at localhost, " +
	"or ask whoever runs it to set its public address (--public-url)."

// hostPolicy says which Host headers the server answers to.
type hostPolicy struct {
	public     *url.URL // nil without a public URL
	publicHost string   // its host name, lower case, without a final dot
	publicPort int      // its port, explicit or the scheme's
}

// The ports an address without one means.
const (
	httpPort  = 80
	httpsPort = 443
)

// newHostPolicy checks the public URL: an absolute http or https URL of a
// host, with no path, query or user.
func newHostPolicy(publicURL string) (hostPolicy, error) {
	var p hostPolicy
	if publicURL == "" {
		return p, nil
	}
	u, err := url.Parse(publicURL)
	bad := err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != ""
	if !bad {
		host, port, ok := splitHost(u.Host)
		p = hostPolicy{public: u, publicHost: host, publicPort: orDefault(port, u.Scheme == "https")}
		bad = !ok
	}
	if bad {
		return hostPolicy{}, fmt.Errorf("web: the public URL %q (--public-url) must be http:// or https:// and a host, with an optional port and nothing after it, such as https://play.example.org", publicURL)
	}
	return p, nil
}

// secure reports whether the public URL is https: cookies are then sent
// over https only.
func (p hostPolicy) secure() bool { return p.public != nil && p.public.Scheme == "https" }

// exempt are the requests answered whatever their Host: read-only probes
// that monitoring sends by whatever name its network gives the server.
func exempt(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(r.URL.Path == "/healthz" || r.URL.Path == "/metrics")
}

// allows reports whether r is addressed to this server: the host of the
// public URL with its port, or localhost or an IP address with the port
// the connection came in on.
func (p hostPolicy) allows(r *http.Request) bool {
	host, port, ok := splitHost(r.Host)
	if !ok {
		return false
	}
	// Without a port, the public URL's host means its scheme's port: the
	// proxy in front may speak https while this server does not.
	if p.public != nil && host == p.publicHost && orDefault(port, p.secure()) == p.publicPort {
		return true
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	lp, err := netip.ParseAddrPort(addrString(local))
	if err != nil || int(lp.Port()) != orDefault(port, r.TLS != nil) {
		return false
	}
	if host == "localhost" {
		return true
	}
	_, err = netip.ParseAddr(host)
	return err == nil
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// orDefault is port, or when it is 0 (none given) the port of http or
// https.
func orDefault(port int, https bool) int {
	switch {
	case port != 0:
		return port
	case https:
		return httpsPort
	}
	return httpPort
}

// splitHost splits a Host header ("name", "name:port", "[v6]:port") into a
// lower-case host without brackets or a final dot, and a port (0 when none
// is given).
func splitHost(h string) (host string, port int, ok bool) {
	portText := ""
	switch {
	case strings.HasPrefix(h, "["):
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", 0, false
		}
		host, portText = h[1:end], h[end+1:]
		if portText != "" && !strings.HasPrefix(portText, ":") {
			return "", 0, false
		}
		portText = strings.TrimPrefix(portText, ":")
		if _, err := netip.ParseAddr(host); err != nil {
			return "", 0, false
		}
	case strings.Count(h, ":") > 1:
		return "", 0, false // an IPv6 address without brackets
	default:
		host, portText, _ = strings.Cut(h, ":")
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return "", 0, false
	}
	if portText != "" {
		n, err := strconv.Atoi(portText)
		if err != nil || n <= 0 || n > 65535 {
			return "", 0, false
		}
		port = n
	}
	return host, port, true
}

// refuseHost answers a request for a host name this server does not have
// (421 Misdirected Request: the request reached the wrong server).
func (s *Server) refuseHost(w http.ResponseWriter, r *http.Request) {
	s.log.Info("request for another host refused", "host", r.Host, "path", r.URL.Path, "remote", r.RemoteAddr)
	http.Error(w, msgMisdirected, http.StatusMisdirectedRequest)
}

// sameOrigin reports whether a request comes from a page of this site: no
// Origin (not a browser's cross-site request), the Origin of the Host the
// request was sent to, or the origin of the public URL (a proxy may rewrite
// Host). The Host itself was checked before.
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	pub := s.hosts.public
	return pub != nil && strings.EqualFold(u.Scheme, pub.Scheme) && strings.EqualFold(u.Host, pub.Host)
}
