package web

import (
	"net"
	"net/netip"
)

// clientKey names the client of a request for the limits kept per client:
// its IP address, or for IPv6 its /64 network, which one home or school
// gets whole and can spread its connections over. loopback reports a
// client on this machine: one of its users, or a reverse proxy in front of
// the server, through which a whole class arrives from one address.
func clientKey(remoteAddr string) (key string, loopback bool) {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		// Not ip:port (net/http always gives one): the address as it is,
		// without a port that would make each connection a client.
		if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
			return host, false
		}
		return remoteAddr, false
	}
	a := ap.Addr().Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String(), a.IsLoopback()
	}
	return a.String(), a.IsLoopback()
}
