package httpapi

// AnswerMarshaler is the marshaler the router writes answers with.
var AnswerMarshaler = answerMarshaler
