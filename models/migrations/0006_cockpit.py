"""The DPO's cockpit: findings in notes (Art. 9, 10), the breach register (Art. 33), SPECIAL_CATEGORY_DATA."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import ConsentPurpose
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_staff_per_agency')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Breach',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('agency', fields.ForeignKeyField('models.Agency', source_field='agency_id', db_constraint=True, to_field='id', related_name='breaches', on_delete=OnDelete.CASCADE)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_by', fields.CharField(max_length=254)),
                ('discovered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('description', fields.TextField(unique=False)),
                ('actor_email', fields.CharField(null=True, max_length=254)),
                ('api_key_actor', fields.CharField(null=True, max_length=254)),
                ('window_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window_to', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('notify_authority_by', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('affected_contact_count', fields.IntField()),
                ('exposure_count', fields.IntField(description="audit events of the actor on people's data in the window")),
                ('categories', fields.TextField(description='categories of personal data exposed, one per line', unique=False)),
                ('notification_draft', fields.TextField(unique=False)),
                ('subjects_notified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'breach', 'app': 'models', 'indexes': [Index(fields=['agency_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BreachContact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('breach', fields.ForeignKeyField('models.Breach', source_field='breach_id', db_constraint=True, to_field='id', related_name='affected', on_delete=OnDelete.CASCADE)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='breaches', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'breach_contact', 'app': 'models', 'unique_together': (('breach', 'contact'),), 'indexes': [Index(fields=['contact_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NoteFinding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('agency', fields.ForeignKeyField('models.Agency', source_field='agency_id', db_constraint=True, to_field='id', related_name='note_findings', on_delete=OnDelete.CASCADE)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', null=True, db_constraint=True, to_field='id', related_name='note_findings', on_delete=OnDelete.CASCADE)),
                ('travel_request', fields.ForeignKeyField('models.TravelRequest', source_field='travel_request_id', null=True, db_constraint=True, to_field='id', related_name='note_findings', on_delete=OnDelete.CASCADE)),
                ('subject_request', fields.ForeignKeyField('models.SubjectRequest', source_field='subject_request_id', null=True, db_constraint=True, to_field='id', related_name='note_findings', on_delete=OnDelete.CASCADE)),
                ('field', fields.CharField(description='where it was found, e.g. "Contact.notes"', max_length=64)),
                ('category', fields.CharField(description='a SensitiveCategory', max_length=32)),
                ('excerpt', fields.CharField(description='the words that triggered it', max_length=300)),
                ('found_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'note_finding', 'app': 'models', 'indexes': [Index(fields=['agency_id', 'id']), Index(fields=['agency_id', 'category']), Index(fields=['contact_id']), Index(fields=['travel_request_id']), Index(fields=['subject_request_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='ConsentRecord',
            name='purpose',
            field=fields.CharEnumField(description='MARKETING_EMAIL: MARKETING_EMAIL\nMARKETING_SMS: MARKETING_SMS\nNEWSLETTER: NEWSLETTER\nPARTNER_SHARING: PARTNER_SHARING\nSPECIAL_CATEGORY_DATA: SPECIAL_CATEGORY_DATA', enum_type=ConsentPurpose, max_length=32),
        ),
    ]
