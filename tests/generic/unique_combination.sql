{#
    Fails for every combination of values of the given columns that more than one row holds: a key
    of several columns (a listener and the start of one of their level intervals).
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
