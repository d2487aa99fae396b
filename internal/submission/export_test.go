package submission

// Mentions is mentions, for the tests.
var Mentions = mentions
