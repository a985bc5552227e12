package luapat

// Character classes of Lua 5.1 patterns, as the C library's ctype functions
// classify bytes in the "C" locale: bytes 0x80-0xFF belong to no class.

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLower(c byte) bool  { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool  { return 'A' <= c && c <= 'Z' }
func isAlpha(c byte) bool  { return isLower(c) || isUpper(c) }
func isAlnum(c byte) bool  { return isAlpha(c) || isDigit(c) }
func isSpace(c byte) bool  { return c == ' ' || ('\t' <= c && c <= '\r') }
func isCntrl(c byte) bool  { return c < 0x20 || c == 0x7f }
func isXDigit(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') }

// isPunct: printable, not a letter, digit or space.
func isPunct(c byte) bool { return 0x21 <= c && c <= 0x7e && !isAlnum(c) }

func toLower(c byte) byte {
	if isUpper(c) {
		return c + ('a' - 'A')
	}
	return c
}

// matchClass reports whether c is in the class %cl. A letter that names no
// class, and any other byte, stands for itself (%. matches '.', %q 'q'); an
// upper-case class letter is the complement of the lower-case one.
func matchClass(c, cl byte) bool {
	var res bool
	switch toLower(cl) {
	case 'a':
		res = isAlpha(c)
	case 'c':
		res = isCntrl(c)
	case 'd':
		res = isDigit(c)
	case 'l':
		res = isLower(c)
	case 'p':
		res = isPunct(c)
	case 's':
		res = isSpace(c)
	case 'u':
		res = isUpper(c)
	case 'w':
		res = isAlnum(c)
	case 'x':
		res = isXDigit(c)
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if isUpper(cl) {
		return !res
	}
	return res
}
