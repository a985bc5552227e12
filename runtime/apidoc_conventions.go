package runtime

// apiConventions is the part of docs/lua-api.md every module shares: how
// options are checked and how errors name the user's code. Module authors
// read it too (adopting strict options is one call).
const apiConventions = `## Options and errors

Every function that takes an options table checks it before doing anything:
an unknown key is an error that names the function, the key and the closest
valid key, and a value of the wrong type names the type expected:

    net.listen: unknown option 'on_mesage' (did you mean 'on_message'?)
    net.listen: option 'on_message' must be a function, got string

Errors raised by netplay's functions carry the caller's ` + "`file:line`" + `, never
netplay's own chunks; a misspelt module function names itself
(` + "`net has no function 'lisen' (did you mean 'listen'?)`" + `), and without
` + "`--unsafe`" + ` the withheld functions say so
(` + "`io.open is disabled in scripts; run with --unsafe to allow it`" + `).

**Adopting strict options in a module** (Go, ` + "`runtime/internal/luautil`" + `):
declare the keys once at package level, one ` + "`name:type`" + ` each, and read the
table through it. Types are number, integer, boolean, string, function,
table, any, or a word naming a userdata kind the function checks itself
(codec, context):

    var getOpts = luautil.NewOptions("http.get", "timeout:number", "headers:table", "on_body:function")

    func httpGet(v host.VM, L *lua.LState) int {
        o := getOpts.Table(L, 2) // nil -> empty table; checked keys and types
        timeout := luautil.OptNum(L, o, "timeout", 5)
        …
    }

A nested table (a sub-option) is checked with its own Options and
` + "`Check(L, t)`" + `. The check is one pass over the caller's table per call;
options are never read per message.

`
