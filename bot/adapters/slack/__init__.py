"""The Slack platform: slack-bolt in Socket Mode or HTTP mode, translating for the desk.

`adapter` wires Bolt to the desk; `inbound` reads payloads into the desk's values;
`outbound` renders notices and delivers them; `blocks` draws the triage card and App Home;
`escaping` keeps mrkdwn inert and within Slack's limits; `directory` looks people and user
groups up; `startup` checks the workspace set-up; `manifest` describes the Slack app;
`http` serves HTTP mode with Bolt's form parsing put right; `catchup` reads what was posted
while deskbot was away, and keeps each channel's read cursor.
"""
