package twilio

import (
	"net/url"
	"strconv"
)

// The builders below produce Twilio's form webhooks, for the simulator and tests; sign them
// with Sign over the URL they are posted to.

// InboundSMS is an incoming SMS.
func InboundSMS(accountSID, messageSID, from, to, body string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "MessageSid": {messageSID}, "SmsMessageSid": {messageSID}, "From": {from}, "To": {to},
		"Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"}, "ApiVersion": {"2010-04-01"}}
}

// StatusCallback is a delivery status of one of our messages.
func StatusCallback(accountSID, messageSID, status string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "MessageSid": {messageSID}, "MessageStatus": {status}, "SmsStatus": {status}, "ApiVersion": {"2010-04-01"}}
}

// IncomingCall is the first webhook of a call.
func IncomingCall(accountSID, callSID, from, to string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "CallSid": {callSID}, "From": {from}, "To": {to}, "CallStatus": {"ringing"},
		"Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
}

// VoicemailRecording is the recording status callback of a call's voicemail (posted to the
// voice webhook with ?event=recording).
func VoicemailRecording(accountSID, callSID, recordingSID, from string, seconds int) url.Values {
	return url.Values{"AccountSid": {accountSID}, "CallSid": {callSID}, "From": {from}, "RecordingSid": {recordingSID},
		"RecordingUrl":    {"https://api.twilio.com/2010-04-01/Accounts/" + accountSID + "/Recordings/" + recordingSID},
		"RecordingStatus": {"completed"}, "RecordingDuration": {strconv.Itoa(seconds)}, "RecordingChannels": {"1"},
		"RecordingSource": {"RecordVerb"}, "ApiVersion": {"2010-04-01"}}
}

// VoicemailTranscription is the transcription callback of a voicemail (posted to the voice
// webhook with ?event=transcription).
func VoicemailTranscription(accountSID, callSID, recordingSID, transcriptionSID, from, to, text string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "CallSid": {callSID}, "From": {from}, "To": {to}, "RecordingSid": {recordingSID},
		"TranscriptionSid": {transcriptionSID}, "TranscriptionText": {text}, "TranscriptionStatus": {"completed"},
		"TranscriptionType": {"fast"}, "CallStatus": {"completed"}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
}
