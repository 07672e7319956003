import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const CUSTOMER = "Tour Contact Trading";
const LATE = "Tour Late Appliances";

function openTab(name) {
    return { content: `open the ${name} tab`, trigger: `.o_notebook a[name='${name}']`, run: "click" };
}

// A rep logs a call from the card, finds his late customers in Contacts Due by city and
// schedules a call from the list, and goes through the card's main tabs.
registry.category("web_tour.tours").add("crm_customer_mgmt_contacts_tour", {
    steps: () => [
        { content: "the customer's card is open", trigger: `.o_breadcrumb:contains(${CUSTOMER})` },
        openTab("customer_relationship"),
        { content: "the stage shows", trigger: ".o_field_widget[name='customer_stage_id']" },
        openTab("customer_credit"),
        { content: "the grade shows", trigger: ".o_field_widget[name='credit_grade_id']" },
        openTab("customer_contacts"),
        {
            content: "the next contact is late",
            trigger: ".alert-warning:contains(The next contact was due)",
        },
        {
            content: "log a contact",
            trigger: "button[name='action_log_contact']",
            run: "click",
        },
        {
            content: "a call, in Odoo's own activity dialog",
            trigger: ".modal .o_field_widget[name='activity_type_id'] .o_selection_badge.active:contains(Call)",
        },
        {
            content: "what was said",
            trigger: ".modal .o_field_widget[name='summary'] input",
            run: "edit Met the buyer at the fair",
        },
        { content: "mark it done", trigger: ".modal button[name='action_done']", run: "click" },
        {
            content: "the call is in the chatter",
            trigger: ".o-mail-Message:contains(Met the buyer at the fair)",
        },
        openTab("customer_relationship"),
        {
            content: "measure the card again",
            trigger: "button[name='action_refresh_relationship']",
            run: "click",
        },
        openTab("customer_contacts"),
        {
            content: "the call is the last contact",
            trigger: ".o_field_widget[name='last_contact_kind']:contains(Phone)",
        },
        {
            content: "and nothing is late any more",
            trigger: ".o_notebook_content:not(:has(.alert-warning:contains(The next contact was due)))",
        },
        stepUtils.goToUrl("/odoo/customer-contacts-due"),
        {
            content: "late customers are grouped by city",
            trigger: ".o_list_view .o_group_name:contains(Hangzhou)",
            run: "click",
        },
        {
            content: "the late customer is listed",
            trigger: `.o_data_row:contains(${LATE})`,
        },
        {
            content: "the customer called today is not",
            trigger: `.o_list_view:not(:has(.o_data_row:contains(${CUSTOMER})))`,
        },
        {
            content: "schedule a call from the list",
            trigger: `.o_data_row:contains(${LATE}) button[name='action_schedule_contact']`,
            run: "click",
        },
        {
            content: "the call to make",
            trigger: ".modal .o_field_widget[name='summary'] input",
            run: "edit Ask about the winter stock",
        },
        { content: "schedule it", trigger: ".modal-footer button.btn-primary", run: "click" },
        { content: "the dialog closes", trigger: "body:not(:has(.modal))" },
    ],
});
