"""Parts of the ACCT page: the open cases with the 24-hour warning, one case, the input form."""
