"""Expression -> exact derivative with its steps: the engine, the rule table, mistakes, printers."""
