"""Expression -> exact derivative with its steps: the rule table, the mistake table, printers."""
