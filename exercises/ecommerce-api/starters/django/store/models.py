"""Your tables, as Django models. Money is integer minor units (cents): BigIntegerField.

After changing a model run `python manage.py makemigrations store`; the run command applies
the migrations (`python manage.py migrate`) before the server starts, on an empty database too.
"""
