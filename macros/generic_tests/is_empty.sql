{#
    Fails (or, with severity warn, warns) for every row of the model: for models that list things
    an operator should look at, such as files the build did not read.
#}
{% test is_empty(model) %}

select * from {{ model }}

{% endtest %}
