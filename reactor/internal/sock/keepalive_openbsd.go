package sock

// setKeepAliveIdle does nothing: OpenBSD has no per-socket keepalive
// timing, so SO_KEEPALIVE uses the system-wide settings.
func setKeepAliveIdle(fd, secs int) error { return nil }
