package store

// TextArrayOf and JSONBArrayOf are textArrayOf and jsonbArrayOf, as parameters, for the tests.
func TextArrayOf(ss []string) any    { return textArrayOf(ss) }
func JSONBArrayOf(docs []string) any { return jsonbArrayOf(docs) }
