package luapat

import "strings"

// handCases are written to cover each construct of Lua 5.1 patterns, the
// arguments of the four functions and their corner cases.
func handCases() []pcase {
	var cs []pcase
	add := func(fn, s, p, extra string) {
		if extra != "" && !strings.HasPrefix(extra, ", ") {
			extra = ", " + extra
		}
		cs = append(cs, pcase{fn: fn, s: s, p: p, extra: extra})
	}
	subjects := []string{"", "a", "abc", "hello world", "  trim me  ", "x = 1, y = 22", "THE (quick) fox",
		"a.b.c", "f(a(b)c)d", "\x00\x01\xff", "one\ntwo\tthree", "aaa", "abab", "%d", "[x]", "12ab34"}
	patterns := []string{
		// single characters and classes
		"a", "b", ".", "%a", "%A", "%c", "%C", "%d", "%D", "%l", "%L", "%p", "%P", "%s", "%S", "%u", "%U",
		"%w", "%W", "%x", "%X", "%z", "%Z", "%.", "%%", "%q", "%Q", "%]", "%-",
		// sets
		"[abc]", "[^abc]", "[a-c]", "[%a_]", "[^%s]", "[]]", "[^]]", "[a-]", "[-a]", "[%-a]", "[a%-z]", "[%]]",
		"[%d.]", "[^%d%s]", "[^^]", "[z-a]", "[.]", "[%%]", "[a-c%d]", "[\x00]",
		// quantifiers
		"a*", "a+", "a-", "a?", ".*", ".+", ".-", ".?", "%a*", "%a+", "%a-", "%d+", "[ab]*", "[ab]+b", "a-b",
		"(a*)", "(a-)b", "a?b", "x*", "%s*(.-)%s*", "^%s*(.-)%s*$", "(%w+)=(%w+)", "(%w+) = (%w+)",
		// anchors
		"^a", "^h", "^.", "a$", "c$", "$", "^$", "^", "a^", "$a", "^(.-)$", "^%s*$", "d$", "^hello", "world$",
		// captures
		"()", "()a", "a()", "(a)", "((a)(b))", "(a)(b)(c)", "(h)(e)(l)(l)(o)", "()(%a+)()", "(a", "a)", "((a)",
		"(()a)", "(.)%1", "(a)%1", "%1", "(a)%2", "%0", "(.)(.)%2%1", "()%1", "(.-)%1",
		// %b and %f
		"%b()", "%b[]", "%bab", "%bxy", "%b", "%ba", "%f[%a]", "%f[%A]", "%f[%a]%a+", "%f[%w]%w+%f[%W]",
		"%f[%z]", "%f[^%z]", "%f", "%fa", "%f[a", "%f[%d]%d+",
		// malformed
		"%", "a%", "[a", "[^", "[", "[%", "(()", "((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))",
		// plain-looking
		"hello", "o w", "\x00", "a\x00b", "wor", "l", "ll", "x", "=", ", ", "THE",
	}
	for _, s := range subjects {
		for _, p := range patterns {
			add("find", s, p, "")
			add("match", s, p, "")
		}
	}
	for _, p := range []string{"a", ".", "%a+", "a*", ".-", "()", "(a)(b)", "%f[%a]%a+", "^a", "b*", "", "x*"} {
		for _, s := range []string{"abab", "hello world", "", "aaa", "a b  c"} {
			add("gmatch", s, p, "")
		}
	}
	// find and match with init, plain
	for _, init := range []string{"1", "2", "0", "-1", "-2", "-10", "10", "3", "4", "5", "1.9"} {
		add("find", "hello", "l", ", "+init)
		add("find", "hello", "l+", ", "+init)
		add("find", "hello", "", ", "+init)
		add("find", "hello", "^l", ", "+init)
		add("match", "hello", ".", ", "+init)
		add("match", "hello", "()", ", "+init)
		add("match", "hello", "^(.)", ", "+init)
		add("find", "", "", ", "+init)
	}
	for _, plain := range []string{"true", "false", "nil", "1"} {
		add("find", "a.b%c(d)", ".", ", 1, "+plain)
		add("find", "a.b%c(d)", "%c", ", 1, "+plain)
		add("find", "a.b%c(d)", "(d)", ", 2, "+plain)
		add("find", "a.b%c(d)", "", ", 3, "+plain)
	}
	// gsub: string, number, function, table replacements, max
	for _, r := range []string{`"x"`, `"%0%0"`, `"<%1>"`, `"%2-%1"`, `"%%"`, `"%a"`, `"%"`, `""`, "42", "1.5",
		"FN", "FALSE", "TBL", "true", "nil", "{}"} {
		for _, p := range []string{"a", "(a)", "(a)(b)", "%a+", "()", "x*", "", "^a", "b$", "(%w+)", "()(b)"} {
			add("gsub", "abab cab", p, r)
		}
	}
	for _, n := range []string{"0", "1", "2", "-1", "100", "1.5"} {
		add("gsub", "hello world", "o", `, "0", `+n)
		add("gsub", "hello world", "", `, "-", `+n)
		add("gsub", "abc", "%w", "FN, "+n)
	}
	add("gsub", "hello world", "(%w+)", `"%1 %1"`)
	add("gsub", "hello world", "%w+", `"%0 %0", 1`)
	add("gsub", "hello world from Lua", "(%w+)%s*(%w+)", `"%2 %1"`)
	add("gsub", "$name is $status", "%$(%w+)", `{name = "lua", status = "great"}`)
	add("gsub", "abc", "%w", `"%1"`)
	add("gsub", "abc", "", `"-"`)
	add("gsub", "abc", ".-", `"-"`)
	add("gsub", "abc", "b*", `"-"`)
	add("gsub", "  trim  ", "^%s*(.-)%s*$", `"%1"`)
	add("gsub", "a,b,,c", ",", `";"`)
	add("gsub", "f(a(b)c)d", "%b()", `"[]"`)
	add("gsub", "THE (quick) fox", "%f[%a]%a+", "FN")
	add("gsub", "abc", "(", `"x"`)
	add("gsub", "abc", "(a", `"x"`)
	add("gsub", "abc", "(a", "FN")
	add("gsub", "abc", "a", `"%2"`)
	add("gsub", "abc", "a", "function() return {} end")
	add("gsub", "abc", "%w", "function(c) return c:upper() .. 1 end")
	add("gsub", "hello", "l", "string.upper")
	cs = append(cs, pcase{fn: "find", s: strings.Repeat("ab", 50), p: "(ab)%1(ab)%2b"})
	cs = append(cs, pcase{fn: "match", s: "key = value # comment", p: "^(%w+)%s*=%s*([^#]-)%s*#"})
	cs = append(cs, pcase{fn: "match", s: "2024-01-31T12:34:56Z", p: "(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)"})
	cs = append(cs, pcase{fn: "match", s: "GET /index.html HTTP/1.1", p: "^(%u+) (%S+) HTTP/(%d)%.(%d)$"})
	return cs
}
