"""The tabs of the Verwaltung page (admin only), one module per tab: forms and tables calling commands.

Every write runs one model command in one transaction (audit row included) through ui.commands:
a German confirmation beside the form and as a toast, a create form drawn empty again, an edit
form that saves against the state it showed. Refusals are shown in German and change nothing.
User text in messages is escaped, so it never renders as Markdown or HTML.
"""
