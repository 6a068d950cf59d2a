"""{% monitoring_work_queue %}: what waits for the user in monitoring, for the home page."""

from django import template

from exits.monitoring_queues import work_for

register = template.Library()


@register.inclusion_tag("exits/monitoring/_work_queue.html", takes_context=True)
def monitoring_work_queue(context):
    return {"monitoring_work": work_for(context["request"].user)}
